#!/bin/sh
# A stand-in task: the test only prints its command.
