"""Work on the second core: a function computed in a forked child process
(the machine has two cores; a registry of a million rows is read, hashed and
drawn from by both)."""

import os
import pickle


class InChild:
    """f(*args) computed in a forked child process, which shares this
    process's data without copying it.  `with InChild(f, *args) as c:` starts
    it; c.result() waits for it and returns f's value (or raises its
    exception); leaving the block without asking (an error in the meantime)
    still waits for the child.  Without os.fork (Windows) f runs at once."""

    def __init__(self, f, *args):
        self.f, self.args, self.pid = f, args, None

    def __enter__(self):
        if not hasattr(os, "fork"):
            self.outcome = self.run()
            return self
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:                        # the child: compute, send, exit without cleanup
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as out:
                    out.write(pickle.dumps(self.run()))
            finally:
                os._exit(0)
        os.close(write_end)
        self.pipe = os.fdopen(read_end, "rb")
        return self

    def run(self):
        try:
            return True, self.f(*self.args)
        except Exception as e:
            return False, e

    def result(self):
        if self.pid is not None:
            data = self.pipe.read()
            self.pipe.close()
            os.waitpid(self.pid, 0)
            self.pid = None
            self.outcome = pickle.loads(data) if data else (False, RuntimeError(f"the child computing {self.f.__name__} died"))
        ok, value = self.outcome
        if not ok:
            raise value
        return value

    def __exit__(self, *exc):
        if self.pid is not None:
            self.pipe.close()
            os.waitpid(self.pid, 0)
            self.pid = None
