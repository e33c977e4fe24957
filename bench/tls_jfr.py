"""TLS's share of a node JVM's Java CPU samples in a JFR recording (bench/write-cpu.sh JFR=1).

Usage: python3 tls_jfr.py recording.jfr
A Java execution sample counts as TLS when a frame of its stack is in the TLS or crypto code: the JDK's engine
(sun.security.ssl), its ciphers (com.sun.crypto.provider, javax.crypto, sun.security.*), netty's SSL handler
and OpenSSL engine (io.netty.handler.ssl) or tcnative's Java side. The leaf frame then says whether the sample
was in a cipher or in the record/handshake machinery. BoringSSL's own work runs in native code, which JFR does
not sample as Java execution: for the OpenSSL engine this share is only its Java side; the native samples
seen inside tcnative calls are counted apart (they include time blocked in native code, so they are no CPU
figure). Compare engines by CPU per transaction (/proc), not by this share.
"""
import collections
import json
import subprocess
import sys

TLS_PREFIXES = ("sun.security.", "com.sun.crypto.provider.", "javax.crypto.", "javax.net.ssl.",
                "io.netty.handler.ssl.", "io.netty.internal.tcnative.")
CIPHER_PREFIXES = ("com.sun.crypto.provider.", "javax.crypto.", "sun.security.provider.", "sun.security.ec.",
                   "sun.security.util.math.")


def events(path, kinds):
    out = subprocess.run(["jfr", "print", "--json", "--events", ",".join(kinds), path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frames(ev):
    st = ev["values"].get("stackTrace") or {}
    out = []
    for f in st.get("frames") or []:
        m = f.get("method") or {}
        out.append(f"{(m.get('type') or {}).get('name', '?')}.{m.get('name', '?')}".replace("/", "."))
    return out


def thread(ev):
    t = ev["values"].get("sampledThread") or {}
    return (t.get("javaName") or t.get("osName") or "?").rstrip("0123456789").rstrip("-#")


def main():
    path = sys.argv[1]
    java = events(path, ["jdk.ExecutionSample"])
    total, tls, cipher = len(java), 0, 0
    by_thread = collections.Counter()
    leaves = collections.Counter()
    for ev in java:
        fs = frames(ev)
        if any(f.startswith(TLS_PREFIXES) for f in fs):
            tls += 1
            by_thread[thread(ev)] += 1
            leaves[fs[0] if fs else "?"] += 1
            if fs and fs[0].startswith(CIPHER_PREFIXES):
                cipher += 1
    native = events(path, ["jdk.NativeMethodSample"])
    in_tcnative = sum(1 for ev in native if any(f.startswith("io.netty.internal.tcnative.") for f in frames(ev)))
    pct = lambda n: f"{100.0 * n / total:.1f} %" if total else "n/a"
    print(f"\nTLS in Java execution samples: {tls} of {total} ({pct(tls)}); of them with a cipher leaf: {cipher}"
          f" ({pct(cipher)} of all)")
    print("  by thread kind: " + ", ".join(f"{k} {n}" for k, n in by_thread.most_common(6)))
    print("  hottest TLS leaves:")
    for k, n in leaves.most_common(8):
        print(f"    {n:6d}  {k}")
    print(f"native-method samples inside tcnative calls: {in_tcnative} of {len(native)}")


if __name__ == "__main__":
    main()
