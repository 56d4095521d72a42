export { generateDataset, GENERATOR_VERSION, type GenerateParams, type GenerateResult } from './generate.ts';
export { PRESETS, PRESET_SPECS, type Preset, type PresetSpec, type SegmentSpec } from './presets.ts';
