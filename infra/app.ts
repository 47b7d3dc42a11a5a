/** CDK entry point (cdk.json: "npx tsx infra/app.ts"); the CLI synthesises the app on exit. */
import { createApp } from './create-app.ts';

createApp();
