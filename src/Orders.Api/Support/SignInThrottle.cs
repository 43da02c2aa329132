using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orders.Api.Support;

// Slows password guessing without ever locking an account, so nobody can lock an admin out by
// typing wrong passwords. Failed sign-ins are counted per username and client network together, per
// client network (IPv4 /24, IPv6 /48) and per username over all networks; past a count's free
// attempts each further attempt must wait, doubling from FirstDelay up to Support:MaxSignInDelay.
// A username that matches no account is counted exactly like one that does, so the answers never
// tell which usernames exist; the owner of a throttled username still gets in from another network.
// The counts are held in this process's memory only (never stored, never logged); usernames are kept
// as keyed hashes, since people type passwords into that field. With several instances each counts
// on its own, which multiplies an attacker's attempts by the number of instances at most.
internal sealed class SignInThrottle(IOptions<SupportOptions> options, TimeProvider time)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(30);

    // Bounds the memory that a spray of made-up usernames can take.
    private const int MaxCounters = 100_000;

    private readonly Lock gate = new();
    private readonly Dictionary<string, Counter> counters = new(StringComparer.Ordinal);
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    private sealed class Counter
    {
        public int Failures;
        public DateTimeOffset LastFailure;
    }

    // How long an attempt for this username from this network must still wait (zero: go ahead).
    public TimeSpan Wait(string username, string network)
    {
        var now = time.GetUtcNow();
        var wait = TimeSpan.Zero;
        lock (gate)
        {
            foreach (var (name, free) in Keys(username, network))
            {
                if (counters.TryGetValue(name, out var counter) && WaitFor(counter, free, now) is var w && w > wait)
                {
                    wait = w;
                }
            }
        }

        return wait;
    }

    public void Failed(string username, string network)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            foreach (var (name, _) in Keys(username, network))
            {
                if (!counters.TryGetValue(name, out var counter) || IsStale(counter, now))
                {
                    if (counters.Count >= MaxCounters)
                    {
                        Prune(now);
                    }

                    counter = new Counter();
                    counters[name] = counter;
                }

                counter.Failures++;
                counter.LastFailure = now;
            }
        }
    }

    // The right password: that username's counts start again. The network's does not (someone else
    // may be guessing from there).
    public void Succeeded(string username, string network)
    {
        lock (gate)
        {
            var keys = Keys(username, network);
            counters.Remove(keys[0].Name);
            counters.Remove(keys[2].Name);
        }
    }

    private (string Name, int Free)[] Keys(string username, string network)
    {
        var o = options.Value;
        return
        [
            ("p:" + Keyed(username + "\n" + network), o.FreeFailedSignIns),
            ("n:" + network, o.FreeFailedSignInsPerNetwork),
            ("u:" + Keyed(username), o.FreeFailedSignInsPerUsername),
        ];
    }

    private string Keyed(string value) => Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value)));

    private TimeSpan WaitFor(Counter counter, int free, DateTimeOffset now)
    {
        if (counter.Failures < free || IsStale(counter, now))
        {
            return TimeSpan.Zero;
        }

        var delay = FirstDelay * Math.Pow(2, Math.Min(counter.Failures - free, 20));
        var max = options.Value.MaxSignInDelay;
        var until = counter.LastFailure + (delay < max ? delay : max);
        return until > now ? until - now : TimeSpan.Zero;
    }

    private bool IsStale(Counter counter, DateTimeOffset now) => now - counter.LastFailure >= options.Value.MaxSignInDelay * 4;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (name, counter) in counters)
        {
            if (IsStale(counter, now))
            {
                counters.Remove(name);
            }
        }

        // Still full of live counts: forget the oldest half rather than grow without bound.
        if (counters.Count >= MaxCounters)
        {
            foreach (var (name, _) in counters.OrderBy(c => c.Value.LastFailure).Take(counters.Count / 2).ToList())
            {
                counters.Remove(name);
            }
        }
    }
}
