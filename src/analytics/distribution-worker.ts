// The worker-thread side of the distribution job: piscina loads this file in each worker and calls the default
// export with the packed frequency table (transferred, so it is not copied).
import { distributionOf, type Distribution } from './distribution.ts';

export default function distributionJob(packed: Uint8Array): Distribution {
  return distributionOf(packed);
}
