import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { SessionPool } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 5 };
  const log: unknown[] = [];
  const s = ['1', '2'].map((id) => new RecordingSocket(id));
  await withClock(clock, () => {
    const pool = new SessionPool();
    pool.open(1, s[0]!, 'u1');
    pool.open(2, s[1]!, 'u2');
    log.push(pool.close(1), pool.close(1), pool.close(7), pool.users(), pool.closed);
  });
  log.push(socketsState(s));
  return log;
}
