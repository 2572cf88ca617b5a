"""Train a model (a task used by the golden cases).
---
inputs:
  data: {type: csv}
outputs:
  -o: {type: model}
args:
  --lr: {type: float, required: true, description: Learning rate}
  --epochs: {type: int, default: 10}
---
"""
