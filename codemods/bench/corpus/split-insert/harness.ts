import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { NodePeers } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 1 };
  const log: unknown[] = [];
  const s = [new RecordingSocket('w1')];
  await withClock(clock, () => {
    const p = new NodePeers();
    p.onConnect('r1', s[0]!);
    log.push(p.versionOf('r1'));
    p.onHello('r1', { nodeId: 'n1', version: 3 });
    log.push(p.versionOf('r1'));
    p.onClose('r1');
    log.push(p.versionOf('r1'));
  });
  log.push(socketsState(s));
  return log;
}
