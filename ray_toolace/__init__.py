"""ray_toolace: ToolACE-R (model-aware iterative training and adaptive self-refinement for
LLM tool calling) as a distributed job system on Ray.

`ray_toolace.core` is the pure logic (no Ray, torch, vLLM or transformers); the other
subpackages wire it to Ray Data, Ray Train, Ray Serve and vLLM.
"""

__version__ = "0.1.0"
