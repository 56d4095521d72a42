/** The sector presets of `segmint generate` (docs/generator.md). */
import { banking } from './banking.ts';
import { ecommerce } from './ecommerce.ts';
import { grocery } from './grocery.ts';
import { ngo } from './ngo.ts';
import { telecom } from './telecom.ts';
import type { Preset, PresetSpec } from './types.ts';

export type { Preset, PresetSpec, SegmentSpec, DepartmentSpec } from './types.ts';

export const PRESETS: readonly Preset[] = ['ecommerce', 'grocery', 'banking', 'telecom', 'ngo'];

export const PRESET_SPECS: Readonly<Record<Preset, PresetSpec>> = { ecommerce, grocery, banking, telecom, ngo };
