// Where the real GDQ donations are: `shared/data/gdq`, beside the repository (as in CI's fresh clone).
import { fileURLToPath } from 'node:url';

export const GDQ_DIRECTORY = fileURLToPath(new URL('../../../shared/data/gdq/', import.meta.url));
