/**
 * Custom CloudWatch metrics in the Embedded Metric Format (EMF): one JSON object per line on stdout,
 * from which CloudWatch Logs extracts the metric (no PutMetricData call, no extra permission). Metrics
 * carry no dimensions, so the stack's alarms watch `Namespace/MetricName` alone.
 *
 * The line is written to process.stdout directly, not through console.log: the functions log in
 * Lambda's JSON format, under which the patched console wraps every line into
 * {"timestamp", "level", "requestId", "message": "<the text>"}, and CloudWatch extracts EMF only from
 * a log event whose root is the EMF object (the aws-embedded-metrics library and Powertools Metrics
 * write past the console for the same reason).
 */

export interface EmfMetric {
  namespace: string;
  name: string;
  value: number;
  unit?: 'Count' | 'None';
  /** Extra fields of the log event (searchable in Logs Insights; not dimensions). */
  properties?: Record<string, unknown>;
  timestamp: Date;
}

/** The EMF log line (without the newline). */
export function emfLine(metric: EmfMetric): string {
  return JSON.stringify({
    ...metric.properties,
    _aws: {
      Timestamp: metric.timestamp.getTime(),
      CloudWatchMetrics: [{ Namespace: metric.namespace, Dimensions: [[]], Metrics: [{ Name: metric.name, Unit: metric.unit ?? 'Count' }] }],
    },
    [metric.name]: metric.value,
  });
}

/** Writes the metric to stdout as one EMF line. */
export function emitMetric(metric: EmfMetric): void {
  process.stdout.write(`${emfLine(metric)}\n`);
}
