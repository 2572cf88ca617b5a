#!/usr/bin/env python3
"""A stand-in task: the test only prints its command."""
