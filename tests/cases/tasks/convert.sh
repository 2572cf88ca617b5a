#!/bin/sh
# Convert one file (a task used by the golden cases).
cp "$1" "$3"
