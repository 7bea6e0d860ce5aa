/**
 * Summaries of TensorBoard's hparams plugin: the experiment (which hparams
 * and metrics exist), the session start (this run's hparam values) and the
 * session end (its status). Each is a `Summary.Value` whose metadata names
 * the plugin `hparams` and carries an `HParamsPluginData` message; the value
 * itself is the plugin's null tensor (a float32 scalar 0), as TensorBoard
 * writes it.
 *
 * @example
 * writer.addEvent({ summary: { value: hparamsStartSummaries({ lr: 0.1, model: { name: 'resnet18' } }, ['val/loss']) } });
 */
import { DT_FLOAT, dataClass, hparamsEnums, hparamsPluginDataType } from './schema.js';

/** Tags the hparams plugin reads. */
export const HPARAMS_TAGS = {
  experiment: '_hparams_/experiment',
  sessionStart: '_hparams_/session_start_info',
  sessionEnd: '_hparams_/session_end_info',
} as const;

type HParamValue = string | number | boolean;

/**
 * Flattens nested plain values into dotted names (`model.name`); arrays and
 * other non-scalar leaves become JSON text, `undefined` is dropped.
 *
 * @example
 * flattenHparams({ optimizer: { lr: 0.1 }, tags: ['a'] }); // { 'optimizer.lr': 0.1, tags: '["a"]' }
 */
export function flattenHparams(params: Readonly<Record<string, unknown>>, prefix = ''): Record<string, HParamValue> {
  const out: Record<string, HParamValue> = {};
  for (const [key, value] of Object.entries(params)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
      Object.assign(out, flattenHparams(value as Record<string, unknown>, name));
    } else out[name] = typeof value === 'bigint' ? value.toString() : (JSON.stringify(value) ?? typeof value);
  }
  return out;
}

function protoValue(value: HParamValue): Record<string, unknown> {
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return { stringValue: value };
}

function hparamInfo(name: string, value: HParamValue): Record<string, unknown> {
  const { dataType } = hparamsEnums;
  if (typeof value === 'number') return { name, type: dataType.float64 };
  if (typeof value === 'boolean') {
    return { name, type: dataType.bool, domainDiscrete: { values: [{ boolValue: true }, { boolValue: false }] } };
  }
  return { name, type: dataType.string, domainDiscrete: { values: [{ stringValue: value }] } };
}

function pluginValue(tag: string, data: Record<string, unknown>): Record<string, unknown> {
  const content = hparamsPluginDataType.encode(hparamsPluginDataType.create({ version: 0, ...data })).finish();
  return {
    tag,
    metadata: { pluginData: { pluginName: 'hparams', content }, dataClass: dataClass.tensor },
    tensor: { dtype: DT_FLOAT, tensorShape: {}, floatVal: [0] },
  };
}

/**
 * The experiment and session-start summary values for a run's hparams and the metric tags to show beside them.
 *
 * @example
 * hparamsStartSummaries({ lr: 0.1 }, ['val/acc_top1']);
 */
export function hparamsStartSummaries(
  params: Readonly<Record<string, unknown>>,
  metricTags: readonly string[],
  startTimeSecs = Date.now() / 1000,
): Record<string, unknown>[] {
  const flat = Object.entries(flattenHparams(params));
  const experiment = {
    timeCreatedSecs: startTimeSecs,
    hparamInfos: flat.map(([name, value]) => hparamInfo(name, value)),
    metricInfos: metricTags.map((tag) => ({ name: { tag } })),
  };
  const sessionStartInfo = {
    hparams: Object.fromEntries(flat.map(([name, value]) => [name, protoValue(value)])),
    startTimeSecs,
  };
  return [pluginValue(HPARAMS_TAGS.experiment, { experiment }), pluginValue(HPARAMS_TAGS.sessionStart, { sessionStartInfo })];
}

/**
 * The session-end summary value; `interrupted` has no status of its own in the plugin and reads as unknown.
 *
 * @example
 * hparamsEndSummary('success');
 */
export function hparamsEndSummary(status: 'success' | 'failed' | 'interrupted', endTimeSecs = Date.now() / 1000): Record<string, unknown> {
  const code = { success: hparamsEnums.status.success, failed: hparamsEnums.status.failure, interrupted: hparamsEnums.status.unknown }[
    status
  ];
  return pluginValue(HPARAMS_TAGS.sessionEnd, { sessionEndInfo: { status: code, endTimeSecs } });
}
