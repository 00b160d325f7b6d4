// The classic cells as the ONNX graphs compute them. Its own module, free of onnx-proto, because
// the published declarations of exportOnnx name it and must not reach onnx-proto's types.
import type { RnnNonlinearity } from '@rnnkit/core';

export type GraphCell =
  | { readonly kind: 'rnn'; readonly nonlinearity: RnnNonlinearity }
  | { readonly kind: 'lstm'; readonly unitForgetBias?: boolean | undefined }
  | { readonly kind: 'gru'; readonly resetAfter: boolean };
