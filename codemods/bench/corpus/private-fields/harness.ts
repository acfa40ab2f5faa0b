import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { ChannelPool } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 7 };
  const log: unknown[] = [];
  const s = ['x', 'y'].map((id) => new RecordingSocket(id));
  await withClock(clock, () => {
    const pool = new ChannelPool();
    pool.open('x', s[0]!, 'video');
    pool.open('y', s[1]!, 'audio');
    clock.at = 9;
    pool.seen('y');
    log.push(pool.labels(), pool.lastSeenOf('x'), pool.lastSeenOf('y'));
    pool.close('x');
    log.push(pool.labels(), pool.lastSeenOf('x'));
  });
  log.push(socketsState(s));
  return log;
}
