import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { Hub } from './manager.js';

export async function run(): Promise<unknown[]> {
  const log: unknown[] = [];
  const s = ['c1', 'c2'].map((id) => new RecordingSocket(id));
  await withClock({ at: 1 }, () => {
    const hub = new Hub();
    hub.connect('c1', 'u1', s[0]!, { displayName: 'Uma' });
    hub.connect('c2', 'u1', s[1]!, { displayName: 'Uma' });
    hub.disconnect('c1');
    log.push(hub.nameOf('c2'), hub.nameOf('c1'));
  });
  log.push(socketsState(s));
  return log;
}
