"""The action vocabulary of the synthetic action detector: the one place that defines the label ids.

Label 0 is "nobody" (no figure in the frame). The order is the class order of the model's action head
and of every ground-truth and prediction file; append new actions at the end, never reorder.
"""

NOBODY = "nobody"

ACTIONS = (
    NOBODY,
    "stand",  # idle, small sway
    "walk_left",  # leg swing, translation to the left (image -x)
    "walk_right",  # leg swing, translation to the right (image +x)
    "run",  # fast leg swing, bent elbows, forward lean, either direction
    "jump",  # crouch, vertical parabola with tucked legs, landing
    "wave",  # one arm raised above the head, forearm oscillating
    "squat",  # repeated lowering of the body with bent knees
    "fall",  # rotation to horizontal, then lying on the ground
)

# Actions a figure can perform (everything except "nobody").
FIGURE_ACTIONS = ACTIONS[1:]

ACTION_ID = {name: i for i, name in enumerate(ACTIONS)}
NOBODY_ID = ACTION_ID[NOBODY]
NUM_ACTIONS = len(ACTIONS)

# The single YOLO class: every figure is a "person".
DETECTION_CLASSES = ("person",)
