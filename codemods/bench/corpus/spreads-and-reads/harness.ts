import { RecordingSocket, socketsState } from '../kit.js';
import { Swarm } from './manager.js';

export async function run(): Promise<unknown[]> {
  const log: unknown[] = [];
  const s = ['a', 'b', 'c'].map((id) => new RecordingSocket(id));
  const swarm = new Swarm();
  swarm.add('1.1.1.1:6881', s[0]!, { id: 'A', uploaded: 10 }, 100);
  swarm.add('2.2.2.2:6881', s[1]!, { id: 'B', uploaded: 5 }, 200);
  swarm.add('3.3.3.3:6881', s[2]!, { id: 'C', uploaded: 0 }, 150);
  swarm.touch('3.3.3.3:6881', 400);
  log.push(swarm.metas(), swarm.addrs(), swarm.totalUploaded(), swarm.snapshot());
  log.push(swarm.sendTo('2.2.2.2:6881', 'have 4'), swarm.sendTo('9.9.9.9:1', 'none'));
  swarm.clear();
  log.push(swarm.snapshot(), swarm.addrs());
  log.push(socketsState(s));
  return Promise.resolve(log);
}
