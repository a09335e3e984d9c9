/**
 * Reader and writer for the IDX format of the MNIST files.
 *
 * Layout: two zero bytes, a type byte, a byte holding the number of
 * dimensions, one big-endian uint32 per dimension, then the values in
 * big-endian row-major order. Files may be gzip-compressed (as they are
 * distributed); that is detected from the first two bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';

/** IDX type codes (third byte of the magic number). */
export const IDX_TYPES = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
} as const;

export type IdxDtype = keyof typeof IDX_TYPES;

const BYTES_PER_VALUE: Record<IdxDtype, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

type IdxValues =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its element type, shape and values (row-major). */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxValues;
}

function dtypeOfCode(code: number): IdxDtype | undefined {
  for (const [name, value] of Object.entries(IDX_TYPES)) {
    if (value === code) return name as IdxDtype;
  }
  return undefined;
}

function hex(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}

/**
 * Decodes IDX bytes (gzip-compressed or not). `name` is used in error
 * messages only.
 */
export function decodeIdx(bytes: Uint8Array, name: string): IdxArray {
  let raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (raw.length >= 2 && raw[0] === GZIP_MAGIC_0 && raw[1] === GZIP_MAGIC_1) {
    try {
      raw = zlib.gunzipSync(raw);
    } catch (error) {
      throw new UserError(
        'IDX_BAD_GZIP',
        `reading "${name}": gzip data is corrupt (${(error as Error).message})`,
      );
    }
  }
  if (raw.length < 4) {
    throw new UserError(
      'IDX_TRUNCATED',
      `reading "${name}": expected at least 4 header bytes, found ${raw.length}`,
    );
  }
  const magic = raw.readUInt32BE(0);
  const dtype = dtypeOfCode(raw[2]);
  const rank = raw[3];
  if (raw[0] !== 0 || raw[1] !== 0 || dtype === undefined || rank === 0) {
    throw new UserError(
      'IDX_BAD_MAGIC',
      `reading "${name}": expected an IDX magic number (0x000008NN for uint8), found ${hex(magic)} (is this an IDX file?)`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes) {
    throw new UserError(
      'IDX_TRUNCATED',
      `reading "${name}": expected ${headerBytes} header bytes for ${rank} dimensions, found ${raw.length}`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(raw.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const bytesPerValue = BYTES_PER_VALUE[dtype];
  const expected = headerBytes + count * bytesPerValue;
  if (raw.length < expected) {
    throw new UserError(
      'IDX_TRUNCATED',
      `reading "${name}": expected ${expected} bytes for shape [${shape.join(', ')}] of ${dtype}, found ${raw.length} (file truncated?)`,
    );
  }
  if (raw.length > expected) {
    throw new UserError(
      'IDX_TRAILING_BYTES',
      `reading "${name}": expected ${expected} bytes for shape [${shape.join(', ')}] of ${dtype}, found ${raw.length}`,
    );
  }
  return { dtype, shape, data: readValues(raw, headerBytes, count, dtype) };
}

function readValues(
  raw: Buffer,
  offset: number,
  count: number,
  dtype: IdxDtype,
): IdxValues {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(raw.subarray(offset, offset + count));
    case 'int8':
      return new Int8Array(
        raw.buffer.slice(raw.byteOffset + offset, raw.byteOffset + offset + count),
      );
    default: {
      const view = new DataView(raw.buffer, raw.byteOffset + offset);
      const step = BYTES_PER_VALUE[dtype];
      const out =
        dtype === 'int16'
          ? new Int16Array(count)
          : dtype === 'int32'
            ? new Int32Array(count)
            : dtype === 'float32'
              ? new Float32Array(count)
              : new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const at = i * step;
        out[i] =
          dtype === 'int16'
            ? view.getInt16(at)
            : dtype === 'int32'
              ? view.getInt32(at)
              : dtype === 'float32'
                ? view.getFloat32(at)
                : view.getFloat64(at);
      }
      return out;
    }
  }
}

/** Encodes an array as IDX bytes (uncompressed). */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, shape, data } = array;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(
      `encodeIdx: shape [${shape.join(', ')}] holds ${count} values but data has ${data.length}`,
    );
  }
  if (shape.length === 0 || shape.length > 255) {
    throw new Error(`encodeIdx: rank must be 1 to 255, got ${shape.length}`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const step = BYTES_PER_VALUE[dtype];
  const out = Buffer.alloc(headerBytes + count * step);
  out[2] = IDX_TYPES[dtype];
  out[3] = shape.length;
  shape.forEach((size, i) => out.writeUInt32BE(size, 4 + 4 * i));
  const view = new DataView(out.buffer, out.byteOffset + headerBytes);
  for (let i = 0; i < count; i++) {
    const at = i * step;
    const value = data[i];
    switch (dtype) {
      case 'uint8':
        view.setUint8(at, value);
        break;
      case 'int8':
        view.setInt8(at, value);
        break;
      case 'int16':
        view.setInt16(at, value);
        break;
      case 'int32':
        view.setInt32(at, value);
        break;
      case 'float32':
        view.setFloat32(at, value);
        break;
      case 'float64':
        view.setFloat64(at, value);
        break;
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Reads an IDX file; throws a {@link UserError} naming the file on bad input. */
export function readIdxFile(file: string): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError('IDX_MISSING', `reading "${file}": file not found`);
    }
    throw new UserError(
      'IDX_UNREADABLE',
      `reading "${file}": ${(error as Error).message}`,
    );
  }
  return decodeIdx(bytes, path.basename(file));
}

/**
 * Writes an IDX file atomically, gzip-compressed when `file` ends in `.gz`.
 */
export function writeIdxFile(file: string, array: IdxArray): void {
  let bytes = encodeIdx(array);
  if (file.endsWith('.gz')) bytes = zlib.gzipSync(bytes);
  writeFileAtomic(file, bytes);
}
