// Types of camera-decode.js (kept in JavaScript so Node runs it in the decode-rate test).

/** Pixels as a canvas gives them: RGBA, 4 bytes a pixel. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

export declare const FORMATS: string[];
export declare const READER_OPTIONS: Record<string, unknown>;
export declare function useWasm(wasmUrl: string): void;
export declare function useWasmBinary(bytes: ArrayBuffer | Uint8Array): void;
export declare function scanText(result: { symbologyIdentifier: string; text: string }): string;
export declare function decodeFrame(image: Frame): Promise<string | null>;
export declare const TURNS: number[];
export declare function rotateFrame(image: Frame, degrees: number): Frame;
