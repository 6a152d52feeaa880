// node --import tsx bench/aws/emulator-process.ts
// fauxqs (SQS + SNS) and dynalite (DynamoDB) in a process of their own, so that the emulators' CPU
// is not mixed with the Lambda handler's in the benchmark process. Prints one JSON line (the
// endpoints' environment) once both listen; stops on SIGTERM, or when its stdin closes (the
// benchmark process is gone), so it never outlives the run.
import { startAwsEmulators } from "../../test/helpers/aws.js";

const emulators = await startAwsEmulators();
console.log(JSON.stringify(emulators.env));
const stop = () => void emulators.stop().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.stdin.on("end", stop).resume();
