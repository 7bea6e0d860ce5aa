/**
 * The Trainer's loggers; importing this module registers them in the
 * component registry (group `logger`: csv, jsonl, tensorboard, console).
 *
 * @example
 * import { CSVLogger, TensorBoardLogger } from './loggers/index.js';
 * new Trainer({ loggers: [new CSVLogger(), new TensorBoardLogger()] });
 *
 * @module
 */
export { CSVLogger, type CSVLoggerOptions } from './csv-logger.js';
export { JSONLLogger, type JSONLLoggerOptions } from './jsonl-logger.js';
export { TensorBoardLogger, type TensorBoardLoggerOptions } from './tensorboard-logger.js';
export { ConsoleLogger, type ConsoleLoggerOptions } from './console-logger.js';
