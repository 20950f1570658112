// Child process for runLoadInChild: receives one LoadSpec over IPC, fires it, sends the result back.
import { runLoad, type LoadSpec } from './http-load.ts';

process.once('message', (spec: LoadSpec) => {
  runLoad(spec).then(
    (result) => process.send!({ result }, () => process.disconnect()),
    (err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) }, () => process.disconnect()),
  );
});
process.send!({ ready: true });
