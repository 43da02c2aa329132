using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orders.Bench;

// What one load run did: per request its status (0 = not sent, -1 = connection error) and latency.
internal sealed class LoadResult(int count)
{
    public int[] Status { get; } = new int[count];
    public long[] LatencyTicks { get; } = new long[count];
    public string?[] Bodies { get; set; } = [];
    public int Sent;
    public TimeSpan Elapsed { get; set; }

    // CPU the server process used during the run, per request sent (µs), when measured.
    public double? ServerCpuMicrosPerRequest { get; set; }

    // What the server had written to storage during the run, per request sent (KB), when measured.
    public double? ServerDiskKbPerRequest { get; set; }

    // The machine's idle time during the run (%), and the part of it spent waiting for the disk.
    public (double Idle, double IoWait)? MachineIdle { get; set; }

    public int Count(Func<int, bool> predicate) => Status.Take(Sent).Count(predicate);

    public int Ok => Count(s => s is >= 200 and < 300);

    // Requests answered or failed (a slot claimed when the run was stopped is neither).
    public int Done => Count(s => s != 0);

    public double PerSecond => Sent / Elapsed.TotalSeconds;

    public Latency Latencies() => Latency.Of(LatencyTicks.Take(Sent).Where((_, i) => Status[i] != 0));
}

internal sealed record Latency(double P50Ms, double P90Ms, double P99Ms, double MaxMs, int Samples)
{
    public static Latency Of(IEnumerable<long> ticks)
    {
        var sorted = ticks.Where(t => t > 0).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Latency(0, 0, 0, 0, 0);
        }

        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        return new Latency(At(0.50), At(0.90), At(0.99), sorted[^1] * 1000.0 / Stopwatch.Frequency, sorted.Length);
    }
}

// A closed-loop HTTP/1.1 load generator on raw sockets: N keep-alive connections, each sending the
// next pre-built request as soon as the previous answer is complete. Requests are bytes built
// before the run, so the generator spends its CPU on sockets, not on building requests; latency is
// measured per request with Stopwatch ticks, from the first byte written to the last byte read.
internal static class HttpLoad
{
    public static async Task<LoadResult> RunAsync(
        IPEndPoint target, IReadOnlyList<byte[]> requests, int connections, TimeSpan maxDuration, bool keepBodies = false,
        TimeSpan? pace = null, CancellationToken ct = default)
    {
        var result = new LoadResult(requests.Count);
        if (keepBodies)
        {
            result.Bodies = new string?[requests.Count];
        }

        var next = -1;
        var started = Stopwatch.StartNew();
        var deadline = Stopwatch.GetTimestamp() + (long)(maxDuration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            var connection = new Connection(target);
            try
            {
                var nextDue = Stopwatch.GetTimestamp();
                while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline)
                {
                    var i = Interlocked.Increment(ref next);
                    if (i >= requests.Count)
                    {
                        break;
                    }

                    if (pace is { } interval)
                    {
                        // Paced (open-ish loop): each connection sends on its own schedule, so a slow
                        // answer delays the next request instead of hiding in a shorter queue.
                        var wait = nextDue - Stopwatch.GetTimestamp();
                        if (wait > 0)
                        {
                            await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct);
                        }

                        nextDue = Math.Max(nextDue + (long)(interval.TotalSeconds * Stopwatch.Frequency), Stopwatch.GetTimestamp() - Stopwatch.Frequency);
                    }

                    var t0 = Stopwatch.GetTimestamp();
                    int status;
                    string? body = null;
                    try
                    {
                        (status, body) = await connection.SendAsync(requests[i], keepBodies, ct);
                    }
                    catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
                    {
                        status = -1;
                        connection.Dispose();
                        connection = new Connection(target);
                    }

                    result.LatencyTicks[i] = Stopwatch.GetTimestamp() - t0;
                    result.Status[i] = status;
                    if (keepBodies)
                    {
                        result.Bodies[i] = body;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            finally
            {
                connection.Dispose();
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        result.Elapsed = started.Elapsed;
        result.Sent = Math.Min(requests.Count, next + 1);
        // Slots that were claimed after the deadline were never sent.
        while (result.Sent > 0 && result.Status[result.Sent - 1] == 0)
        {
            result.Sent--;
        }

        return result;
    }

    public static byte[] Get(string hostPort, string pathAndQuery, string? cookie = null)
    {
        var text = new StringBuilder()
            .Append("GET ").Append(pathAndQuery).Append(" HTTP/1.1\r\nHost: ").Append(hostPort).Append("\r\nAccept: application/json\r\n");
        if (cookie is not null)
        {
            text.Append("Cookie: ").Append(cookie).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
    }

    public static byte[] Post(string hostPort, string path, byte[] body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var text = new StringBuilder()
            .Append("POST ").Append(path).Append(" HTTP/1.1\r\nHost: ").Append(hostPort)
            .Append("\r\nContent-Type: application/json\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var head = Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
        var request = new byte[head.Length + body.Length];
        head.CopyTo(request, 0);
        body.CopyTo(request, head.Length);
        return request;
    }

    // One keep-alive connection and just enough HTTP/1.1 to read an answer: status line, headers,
    // then a Content-Length or chunked body.
    private sealed class Connection(IPEndPoint target) : IDisposable
    {
        private Socket? socket;
        private byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;

        public async Task<(int Status, string? Body)> SendAsync(byte[] request, bool keepBody, CancellationToken ct)
        {
            if (socket is null)
            {
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(target, ct);
                start = end = 0;
            }

            var sent = 0;
            while (sent < request.Length)
            {
                sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, ct);
            }

            // Headers.
            int headerEnd;
            while ((headerEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync(ct);
            }

            var head = Encoding.ASCII.GetString(buffer, start, headerEnd);
            start += headerEnd + 4;
            if (head.Length < 12 || !int.TryParse(head.AsSpan(9, 3), out var status))
            {
                throw new InvalidDataException("Not an HTTP/1.1 answer.");
            }

            var close = false;
            long contentLength = -1;
            var chunked = false;
            foreach (var line in head.Split("\r\n").Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }

                var name = line.AsSpan(0, colon).Trim();
                var value = line.AsSpan(colon + 1).Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = true;
                }
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && value.Equals("close", StringComparison.OrdinalIgnoreCase))
                {
                    close = true;
                }
            }

            var body = keepBody ? new StringBuilder() : null;
            if (chunked)
            {
                while (true)
                {
                    int lineEnd;
                    while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                    {
                        await FillAsync(ct);
                    }

                    var sizeText = buffer.AsSpan(start, lineEnd);
                    var semicolon = sizeText.IndexOf((byte)';');
                    if (semicolon >= 0)
                    {
                        sizeText = sizeText[..semicolon];
                    }

                    if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'X'))
                    {
                        throw new InvalidDataException("Bad chunk size.");
                    }

                    start += lineEnd + 2;
                    await ReadBodyAsync(size + 2, body, ct); // the chunk and its CRLF
                    if (size == 0)
                    {
                        break;
                    }
                }
            }
            else if (contentLength > 0)
            {
                await ReadBodyAsync((int)contentLength, body, ct);
            }

            if (close)
            {
                Dispose();
            }

            return (status, body?.ToString());
        }

        private async Task ReadBodyAsync(int length, StringBuilder? body, CancellationToken ct)
        {
            var left = length;
            while (left > 0)
            {
                if (start == end)
                {
                    await FillAsync(ct);
                }

                var take = Math.Min(left, end - start);
                body?.Append(Encoding.UTF8.GetString(buffer, start, take));
                start += take;
                left -= take;
            }
        }

        private async Task FillAsync(CancellationToken ct)
        {
            if (start == end)
            {
                start = end = 0;
            }
            else if (end == buffer.Length)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                else
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }

            var read = await socket!.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, ct);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            end += read;
        }

        public void Dispose()
        {
            socket?.Dispose();
            socket = null;
        }
    }
}
