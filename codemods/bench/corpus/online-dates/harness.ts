import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { OnlineTracker } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 1_000_000 };
  const log: unknown[] = [];
  const s = [new RecordingSocket('p7'), new RecordingSocket('p8')];
  await withClock(clock, () => {
    const t = new OnlineTracker(60);
    t.login(7, s[0]!, { nick: 'seven', rating: 1500 });
    clock.at += 30_000;
    t.login(8, s[1]!, { nick: 'eight', rating: 1200 });
    clock.at += 40_000;
    log.push(t.online(), t.secondsIdle(8), t.secondsIdle(9));
    t.update(7);
    log.push(t.online());
    t.logout(8);
    log.push(t.online(), t.secondsIdle(8));
  });
  log.push(socketsState(s));
  return log;
}
