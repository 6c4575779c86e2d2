// Public face of the imports module: the CLI command, the HTTP routes and the pipeline for other callers.
export { importCommand } from './command.ts';
export { importRoutes } from './routes.ts';
export {
  checkImport, runImport, startRun, ImportError, isImportError, IMPORT_BATCH_ROWS_DEFAULT, IMPORT_BATCH_ROWS_MAX,
  type ImportRequest, type ImportSummary, type ImportProgress,
} from './pipeline.ts';
export { parseMapSpec, IMPORT_TARGETS, MappingError } from './mapping.ts';
export { readRecords, CsvScanner, type SourceRecord, type ImportFormat } from './parse.ts';
