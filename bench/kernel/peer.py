"""jupyter_client starting the same ipykernel: start to first output.

Prints the median seconds over N runs (after one warm-up), the same span
bench/kernel/main.go measures for Smallfry's client: start the kernel,
wait until it answers, execute print('hi'), receive the stream output."""
import statistics
import sys
import time

from jupyter_client.manager import KernelManager


def once():
    t0 = time.perf_counter()
    km = KernelManager(kernel_name="python3")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    msg_id = kc.execute("print('hi')")
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    elapsed = time.perf_counter() - t0
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return elapsed


n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
once()
print(statistics.median(once() for _ in range(n)))
