import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { PresenceTracker } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 1_000 };
  const log: unknown[] = [];
  const sockets = ['a', 'b', 'c'].map((id) => new RecordingSocket(id));
  await withClock(clock, () => {
    const t = new PresenceTracker(5_000);
    t.track('a', sockets[0]!, { userName: 'ada', status: 'online' });
    t.track('b', sockets[1]!, { userName: 'bob', status: 'away' });
    clock.at = 3_000;
    t.track('c', sockets[2]!, { userName: 'cy', status: 'online' });
    log.push(t.online(), t.statusOf('b'), t.statusOf('z'), t.count);
    t.notifyAll('hello');
    clock.at = 5_500;
    t.heartbeat('a');
    t.heartbeat('ghost');
    clock.at = 7_000;
    log.push(t.sweep(), t.online(), t.count);
    t.notifyAll('after sweep');
    t.untrack('c');
    log.push(t.online(), t.count, t.statusOf('c'));
  });
  log.push(socketsState(sockets));
  return log;
}
