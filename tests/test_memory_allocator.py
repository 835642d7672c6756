"""The caching allocator's simulation on a hand-traced sequence, the reserved peak `fit` decides on, and the
memory model's dropout-at-p-0 and in-place activations on hand-computed networks."""

from __future__ import annotations

from unetcalc import check_file, check_text
from unetcalc.memory.allocator import CachingAllocator, round_size, segment_size
from unetcalc.memory.estimate import estimate_memory
from unetcalc.memory.fit import Budget, largest_batch
from unetcalc.memory.reserved import reserved_peak

MiB = 2**20


def test_rounding_and_segment_sizes():
    assert [round_size(n) for n in (1, 512, 513, 1000)] == [512, 512, 1024, 1024]
    assert segment_size(1 * MiB) == 2 * MiB  # the small pool's segments
    assert segment_size(1 * MiB + 1) == 20 * MiB == segment_size(9 * MiB)  # shared large segments
    assert segment_size(10 * MiB + 1) == 12 * MiB  # large requests: rounded up to 2 MiB


def test_a_hand_traced_sequence():
    a = CachingAllocator()
    a.malloc("tiny", 100)  # small pool: a 2 MiB segment, split; 512 bytes used
    assert (a.reserved, a.allocated) == (2 * MiB, 512)
    a.malloc("b", 3 * MiB // 2)  # under 10 MiB: a 20 MiB segment, split (18.5 MiB left > 1 MiB)
    a.malloc("c", 12 * MiB)  # best fit: the 18.5 MiB remainder, split again (6.5 MiB left)
    assert a.reserved == 22 * MiB and a.segments == 2
    a.release("b")  # 1.5 MiB free, its neighbour `c` is live: no merge
    a.malloc("d", 8 * MiB // 5)  # 1.6 MiB: the 1.5 MiB block is too small, the 6.5 MiB one fits (best fit)
    assert a.reserved == 22 * MiB
    a.malloc("e", 30 * MiB)  # nothing cached fits: a 30 MiB segment
    assert a.reserved == 52 * MiB and a.peak_reserved == 52 * MiB
    for key in ("c", "d", "e", "tiny"):
        a.release(key)
    assert a.allocated == 0 and a.reserved == 52 * MiB  # segments stay cached
    a.malloc("f", 25 * MiB)  # the 30 MiB block, split (5 MiB left)
    a.malloc("g", 20 * MiB)  # the 20 MiB segment merged whole again: it fits exactly
    assert a.reserved == 52 * MiB
    a.malloc("h", 6 * MiB)  # 5 MiB left in one segment, nothing else free: a new 20 MiB segment
    assert a.reserved == 72 * MiB


def test_a_small_request_never_takes_a_large_block():
    a = CachingAllocator()
    a.malloc("big", 4 * MiB)
    a.release("big")  # 20 MiB cached in the large pool
    a.malloc("small", 1000)  # the small pool has nothing: its own 2 MiB segment
    assert a.reserved == 22 * MiB


def test_the_reserved_peak_is_above_the_allocated_one_and_grows_with_the_batch():
    result = check_file("specs/unet-2015.yaml")
    one, four = reserved_peak(result, 1), reserved_peak(result, 4)
    allocated = estimate_memory(result, 4).training.peak
    assert four.peak > one.peak and four.peak >= four.allocated_peak >= allocated


def test_fit_decides_on_the_reserved_peak_and_the_context():
    spec = check_file("specs/unet-same.yaml").spec
    budget = Budget(8 * 2**30, 512 * MiB, "reserved")
    answer = largest_batch(spec, (256, 256), budget, "bf16", "adam")
    assert answer.reserved is not None and answer.reserved + budget.context <= budget.limit
    assert answer.over is not None and answer.over[2] + budget.context > budget.limit
    allocated = largest_batch(spec, (256, 256), Budget(8 * 2**30, 512 * MiB, "allocated"), "bf16", "adam")
    assert allocated.batch > answer.batch  # the old criterion promises batches that cannot reserve their memory


DROPOUT = "input: {channels: 1, size: [16, 16, 16]}\nlayers:\n  - {op: conv, filters: 8, kernel: 3, padding: same}\n"


def test_dropout_at_p_zero_is_its_input():
    """ATen's dropout returns the input itself when p = 0: no mask, no copy (MONAI's default dropout=0.0)."""
    costs = {
        middle: estimate_memory(check_text(DROPOUT + f"  - {middle}\n  - maxpool\n")).training
        for middle in ("identity", "{op: dropout, p: 0.0}", "{op: dropout, p: 0.5}")
    }
    assert costs["{op: dropout, p: 0.0}"].peak == costs["identity"].peak
    assert costs["{op: dropout, p: 0.0}"].saved == costs["identity"].saved
    mask = 16**3 * 8  # one byte per element; its output replaces the conv's, which nothing else reads
    assert costs["{op: dropout, p: 0.5}"].peak - costs["identity"].peak == mask


def test_an_in_place_relu_writes_into_its_input():
    plain, in_place = (
        estimate_memory(check_text(DROPOUT + f"  - {middle}\n  - maxpool\n")).inference
        for middle in ("relu", "{op: relu, inplace: true}")
    )
    assert plain.peak_at == "relu1" and in_place.peak_at == "maxpool1"
    conv_output, pool_output, pool_indices = 16**3 * 8 * 4, 8**3 * 8 * 4, 8**3 * 8 * 8
    # plain peaks at relu1 (the conv's map and relu's); in place at the pool (one map, the pool's output and
    # the int64 indices max_pool3d always makes)
    assert plain.peak - in_place.peak == conv_output - pool_output - pool_indices


def test_a_network_too_large_to_simulate_falls_back_to_the_allocated_peak_and_says_so(tmp_path):
    from unetcalc.memory.reserved import MAX_SIMULATED_LAYERS

    from conftest import invoke_as_user

    layers = "".join("  - relu\n" for _ in range(MAX_SIMULATED_LAYERS + 1))
    text = "input: {channels: 1, size: [8, 8]}\nlayers:\n  - {op: conv, filters: 2, kernel: 1}\n" + layers
    result = check_text(text)
    assert result.ok and reserved_peak(result) is None
    answer = largest_batch(result.spec, (8, 8), Budget(2**30, 0, "reserved"), "fp32", "adam")
    assert answer.reserved is None and answer.needed == answer.estimate.training_peak
    spec = tmp_path / "deep.yaml"
    spec.write_text(text, encoding="utf-8")
    run = invoke_as_user("fit", str(spec), "--memory", "1GiB", "--size", "8x8")
    assert run.exit_code == 0 and "simulated for networks of up to 5,000 layers" in run.stdout
