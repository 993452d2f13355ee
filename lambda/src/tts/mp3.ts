/**
 * MPEG audio Layer III (MP3) frames, as ISO/IEC 11172-3 and 13818-3 lay them out: enough to cut a
 * stream into clips at frame boundaries without re-encoding. A Layer III frame's audio data may begin
 * in earlier frames (the bit reservoir, up to `main_data_begin` bytes back), so a clip starts early
 * enough to carry the bytes its first sounding frame needs.
 */

export interface Mp3Frame {
  /** Byte offset in the stream. */
  readonly offset: number;
  readonly length: number;
  /** PCM samples per channel the frame decodes to: 1152 (MPEG-1) or 576 (MPEG-2 and 2.5). */
  readonly samples: number;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** How many bytes before this frame's own audio data its data begins (the bit reservoir). */
  readonly mainDataBegin: number;
  /** Bytes of audio data in this frame (after the header, the CRC and the side information). */
  readonly mainDataBytes: number;
  /** No granule of any channel has audio data (every part2_3_length is 0): what encoders write for digital silence. */
  readonly empty: boolean;
}

export interface Mp3Stream {
  /** The audio frames, in order; an information frame (Xing, Info, VBRI), which describes the whole stream, is left out. */
  readonly frames: readonly Mp3Frame[];
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** The largest bit reservoir the format allows: 511 bytes (MPEG-1), 255 (MPEG-2 and 2.5). */
  readonly maxReservoir: number;
}

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, readonly number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Why a buffer is not an MP3 stream this module can cut. */
export class Mp3Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Mp3Error";
  }
}

/** The Layer III frame whose header starts at `offset`, or undefined when none does. */
function frameAt(bytes: Uint8Array, offset: number): Mp3Frame | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const [b0, b1, b2, b3] = [bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
  const layer = (b1 >> 1) & 3; // 1: Layer III
  const bitrateIndex = (b2 >> 4) & 15;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const mpeg1 = version === 3;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const bitrate = (mpeg1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex]! * 1000;
  const padding = (b2 >> 1) & 1;
  const length = Math.floor(((mpeg1 ? 144 : 72) * bitrate) / sampleRate) + padding;
  const channels = ((b3 >> 6) & 3) === 3 ? 1 : 2;
  const crc = (b1 & 1) === 0 ? 2 : 0;
  const sideInfo = mpeg1 ? (channels === 1 ? 17 : 32) : channels === 1 ? 9 : 17;
  const side = offset + 4 + crc;
  if (side + sideInfo > bytes.length) return undefined;
  // main_data_begin: the side information's first 9 bits (MPEG-1) or 8 bits (MPEG-2, 2.5).
  const mainDataBegin = mpeg1 ? (bytes[side]! << 1) | (bytes[side + 1]! >> 7) : bytes[side]!;
  // Then private bits and (MPEG-1) scfsi, then per granule and channel 59 bits (MPEG-1) or 63
  // (MPEG-2, 2.5), the first 12 of which are part2_3_length: the bits of audio data it has.
  const bitAt = (bit: number) => (bytes[side + (bit >> 3)]! >> (7 - (bit & 7))) & 1;
  const twelveAt = (bit: number) => Array.from({ length: 12 }, (_, i) => bitAt(bit + i)).reduce((n, b) => (n << 1) | b, 0);
  const first = mpeg1 ? 9 + (channels === 1 ? 5 : 3) + 4 * channels : 8 + channels;
  const granules = (mpeg1 ? 2 : 1) * channels;
  const empty = Array.from({ length: granules }, (_, g) => twelveAt(first + g * (mpeg1 ? 59 : 63))).every((bits) => bits === 0);
  return {
    offset, length, sampleRate, channels, mainDataBegin, empty,
    samples: mpeg1 ? 1152 : 576,
    mainDataBytes: length - 4 - crc - sideInfo,
  };
}

/** An information frame carries no audio: a Xing/Info tag after the side information, or VBRI at byte 36. */
function isInformationFrame(bytes: Uint8Array, frame: Mp3Frame): boolean {
  const tagAt = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  const sideEnd = frame.offset + frame.length - frame.mainDataBytes;
  return ["Xing", "Info"].includes(tagAt(sideEnd)) || tagAt(frame.offset + 36) === "VBRI";
}

/** Skips an ID3v2 tag at the start, if there is one; returns where the audio begins. */
function afterId3v2(bytes: Uint8Array): number {
  if (bytes.length < 10 || String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!) !== "ID3") return 0;
  // Sizes are "syncsafe": 7 bits a byte. A footer (flag 0x10) adds 10 bytes.
  const size = (bytes[6]! << 21) | (bytes[7]! << 14) | (bytes[8]! << 7) | bytes[9]!;
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
}

/**
 * Every frame of an MP3 stream. Throws Mp3Error for anything else: no frames, a frame that breaks
 * off, bytes that are neither a frame nor a trailing tag, or frames whose format changes midway.
 */
export function parseMp3(bytes: Uint8Array): Mp3Stream {
  const frames: Mp3Frame[] = [];
  let offset = afterId3v2(bytes);
  while (offset < bytes.length) {
    const frame = frameAt(bytes, offset);
    if (!frame) {
      // An ID3v1 or APE tag may close the stream; anything else is not ours to cut.
      const rest = String.fromCharCode(...bytes.subarray(offset, offset + 8));
      if (rest.startsWith("TAG") || rest === "APETAGEX") break;
      throw new Mp3Error(`no MP3 frame at byte ${offset} of ${bytes.length}`);
    }
    if (offset + frame.length > bytes.length) throw new Mp3Error(`the frame at byte ${offset} breaks off`);
    if (frames.length > 0 || !isInformationFrame(bytes, frame)) frames.push(frame);
    offset += frame.length;
  }
  const first = frames[0];
  if (!first) throw new Mp3Error("no MP3 frames");
  if (frames.some((f) => f.sampleRate !== first.sampleRate || f.channels !== first.channels || f.samples !== first.samples)) {
    throw new Mp3Error("the frames change format midway");
  }
  return { frames, sampleRate: first.sampleRate, channels: first.channels, maxReservoir: first.samples === 1152 ? 511 : 255 };
}

/**
 * The first frame a clip must start at so that frame `from` and every later one find their
 * reservoir bytes in the clip: the frames before `from` must hold at least the largest reservoir.
 */
export function reservoirStart(stream: Mp3Stream, from: number): number {
  let start = from;
  let held = 0;
  while (start > 0 && held < stream.maxReservoir) held += stream.frames[--start]!.mainDataBytes;
  return start;
}

/** Frames `from` (inclusive) to `to` (exclusive) of `bytes`, as one MP3 stream: the original bytes, copied. */
export function sliceFrames(bytes: Uint8Array, stream: Mp3Stream, from: number, to: number): Uint8Array {
  const first = stream.frames[from]!;
  const last = stream.frames[to - 1]!;
  return bytes.slice(first.offset, last.offset + last.length);
}

/** Seconds of audio in `frames` frames of `stream`. */
export const framesToSeconds = (stream: Mp3Stream, frames: number) => (frames * stream.frames[0]!.samples) / stream.sampleRate;
