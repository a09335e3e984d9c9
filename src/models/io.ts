/**
 * Saving and loading TF.js layers models as files, in TF.js's standard
 * format (`model.json` plus one `weights.bin`), without tfjs-node. A browser
 * loads the same folder with `tf.loadLayersModel(url + '/model.json')`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { UserError } from '../util/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs-atomic.js';

/** File name of the weights shard written next to `model.json`. */
export const WEIGHTS_FILE = 'weights.bin';

/**
 * Writes `model` into `dir` as `model.json` and `weights.bin`. The weights
 * are written first and `model.json` last, each atomically, so a folder with
 * a `model.json` always has the weights it names.
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new Error(`saveModel: model "${model.name}" produced no weights`);
      }
      const buffer = tf.io.CompositeArrayBuffer.join(weightData);
      writeFileAtomic(path.join(dir, WEIGHTS_FILE), new Uint8Array(buffer));
      writeJsonAtomic(path.join(dir, 'model.json'), {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/**
 * Loads a model saved by {@link saveModel} (or any single- or multi-shard
 * TF.js layers model). Missing or damaged files are a {@link UserError}.
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  const jsonFile = path.join(dir, 'model.json');
  let json: {
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : (error as Error).message;
    throw new UserError('MODEL_UNREADABLE', `loading model "${jsonFile}": ${reason}`);
  }
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new UserError(
      'MODEL_BAD_FORMAT',
      `loading model "${jsonFile}": expected "modelTopology" and "weightsManifest" fields`,
    );
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const file = path.join(dir, shard);
      if (!fs.existsSync(file)) {
        throw new UserError(
          'MODEL_UNREADABLE',
          `loading model "${jsonFile}": missing weights file "${file}"`,
        );
      }
      shards.push(fs.readFileSync(file));
    }
  }
  const expected = specs.reduce(
    (total, spec) =>
      total + spec.shape.reduce((a, b) => a * b, 1) * bytesPerElement(spec.dtype),
    0,
  );
  const actual = shards.reduce((total, shard) => total + shard.byteLength, 0);
  if (actual !== expected) {
    throw new UserError(
      'MODEL_BAD_WEIGHTS',
      `loading model "${jsonFile}": expected ${expected} bytes of weights, found ${actual}`,
    );
  }
  const weightData = new Uint8Array(actual);
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: weightData.buffer,
      }),
    );
  } catch (error) {
    throw new UserError(
      'MODEL_BAD_FORMAT',
      `loading model "${jsonFile}": ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

function bytesPerElement(dtype: string): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'bool' ? 1 : 4;
}
