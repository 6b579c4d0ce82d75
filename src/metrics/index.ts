// Objective speech-quality metrics.
export { stoi, STOI_PARAMS, thirdOctaveBands } from './stoi.js';
export { logMelDistance, logMelSpectrogram, type LogMelOptions, type LogMelSpectrogram } from './log-mel.js';
export { applyLag, bestLag, type AlignOptions } from './align.js';
export { evaluate, type Evaluation, type EvaluateOptions, type Recording } from './evaluate.js';
