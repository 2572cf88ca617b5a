"""Extract features from a video (a task used by the golden cases).
---
inputs:
  video: {type: video, description: Input video file}
outputs:
  -o: {type: csv, description: Output features}
args:
  --sample-rate: {type: int, default: 30, description: Frames per second}
  --mode: {type: str, default: fast, choices: [fast, exact]}
---
"""
