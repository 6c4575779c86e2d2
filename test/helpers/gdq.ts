// Where the real GDQ donations are: the project's own copy in `datasets/gdq` (CC0; its README has the totals).
import { fileURLToPath } from 'node:url';

export const GDQ_DIRECTORY = fileURLToPath(new URL('../../datasets/gdq/', import.meta.url));
