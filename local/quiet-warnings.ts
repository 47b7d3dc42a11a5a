/**
 * The AWS SDK prints a notice on Node 20 that its 2027 releases will need Node 22. Lambda runs the
 * newest runtime anyway; locally the notice only hides the start-up message, so it is dropped here.
 * Imported first by local/start.ts, before any SDK module loads. Other warnings pass unchanged.
 */
const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/NodeVersionSupportWarning|will require node >=22/.test(text)) return;
  emit(warning, ...rest);
}) as typeof process.emitWarning;
