// The tiny action model (and its inputs and expected outputs) the CLI tests run `vigil detect` on.
#pragma once

#include <string>

namespace vigil::test {

// Writes into `dir`:
//   action.vgl      image [1,3,32,32] -> conv -> YoloDetect boxes + GlobalAveragePool embedding [1,8];
//                   window [6,1,8] -> bidirectional LSTM, concatenated with the window itself -> per-step
//                   MatMul -> Softmax [6,1,3] over labels nobody (background), wave, walk. The embedding's
//                   first three values are the frame's mean R, G, B, weighted so that red frames are
//                   "wave", green "walk", blue "nobody": a test video's segments are known in advance.
//   action_lstm.vgl the window feeding the LSTM alone (random weights, no colour shortcut): vigil hoists
//                   its input projection into the frame part (expected_lstm_s3.txt, stride 3)
//   action_prehoisted.vgl  action_lstm.vgl hoisted in the file, as vigil convert --hoist-lstm-projection does
//   detector.vgl    the frame part alone, no action metadata: a plain detector.
//   noyolo.vgl      action.vgl with the YoloDetect node left out (raw head output instead)
//   mismatch.vgl    action.vgl whose temporal_window (5) disagrees with its window input (6).
//   short.rgb       frames 6..9 of frames.rgb: a stream shorter than the window (expected_short.txt)
//   frames.rgb      23 raw RGB24 32x32 frames: blue x6, red x7, blue x3, green x7 (with a little texture)
//   frames/         the same frames as PNG files;  video.y4m: the same as 4:4:4 full-range Y4M
//   corrupt.y4m     video.y4m with frame 5's FRAME marker damaged
//   expected_s3.txt, expected_s1.txt: per frame "top1 p0 p1 p2" (%.17g: the doubles exactly) for stride 3 (the default) and 1,
//                   computed by brute force (tools/actdet/inference.py's rule over whole-graph runs)
void write_action_test_files(const std::string& dir);

}  // namespace vigil::test
