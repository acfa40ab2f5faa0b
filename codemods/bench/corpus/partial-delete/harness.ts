import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { LinkTable } from './manager.js';

export async function run(): Promise<unknown[]> {
  const log: unknown[] = [];
  const s = [new RecordingSocket('l1')];
  await withClock({ at: 1 }, () => {
    const t = new LinkTable();
    t.up('k', s[0]!, { region: 'eu' });
    t.onError('k');
    log.push(t.known());
  });
  log.push(socketsState(s));
  return log;
}
