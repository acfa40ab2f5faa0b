import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { Gateway } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 10 };
  const log: unknown[] = [];
  const s = ['1', '2', '3', '1b'].map((id) => new RecordingSocket(id));
  await withClock(clock, async () => {
    const g = new Gateway();
    await Promise.all([
      g.accept('10.0.0.1', s[0]!, { room: 'red', agent: 'x/1' }),
      g.accept('10.0.0.2', s[1]!, { room: 'blue', agent: 'y/2' }),
      g.accept('10.0.0.3', s[2]!, { room: 'red', agent: 'z/3' }),
    ]);
    clock.at = 50;
    log.push(g.onFrame('10.0.0.2', 'hi'), g.onFrame('10.9.9.9', 'who'));
    log.push(g.broadcast('red', 'to red'), g.broadcast('green', 'nobody'));
    clock.at = 80;
    log.push(g.idleFor('10.0.0.1'), g.idleFor('10.0.0.2'), g.idleFor('nope'));
    // The same address again: the old socket is closed, the new one takes its place.
    await g.accept('10.0.0.1', s[3]!, { room: 'blue', agent: 'x/2' });
    log.push(g.broadcast('blue', 'to blue'), g.addresses());
    log.push(await g.drop('10.0.0.3'), await g.drop('10.0.0.3'), g.addresses());
  });
  log.push(socketsState(s));
  return log;
}
