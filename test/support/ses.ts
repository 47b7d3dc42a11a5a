/** The SES emulator harness lives with the local runtime (npm start uses it too). */
export { startSesLocal, type SesLocal, type StoredEmail } from '../../local/emulators/ses.ts';
