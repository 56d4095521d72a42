/** Synthetic data with planted ground-truth segments: `segmint generate` (docs/generator.md). */
export { generateDataset, GENERATOR_VERSION, type GeneratedFiles, type GenerateResult } from './generate.ts';
export { MAX_CUSTOMERS, type GenerateParams } from './params.ts';
export { PRESETS, PRESET_SPECS, type Preset, type PresetSpec, type SegmentSpec } from './presets/index.ts';
