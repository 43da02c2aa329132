using System.Net;
using System.Net.Sockets;

namespace Orders.CrashHarness;

// A round-robin TCP proxy on a free loopback port in front of the service instances, as a load
// balancer is in production: each new connection goes to the next instance that accepts one, so a
// dead instance is skipped and its share goes to the others. Balancing is per connection; the
// customers open one per request and the sandbox opens one per concurrent webhook delivery, so
// checkouts, returns and webhooks are spread over the instances.
internal sealed class LoopbackBalancer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IReadOnlyList<int> backends;
    private readonly long[] connections;
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;
    private int next = -1;

    public LoopbackBalancer(IReadOnlyList<int> backendPorts)
    {
        backends = backendPorts;
        connections = new long[backendPorts.Count];
        listener.Start(512);
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptAsync();
    }

    public int Port { get; }

    // Connections handed to each instance so far.
    public IReadOnlyList<long> ConnectionsPerInstance => [.. connections.Select(c => Interlocked.Read(ref c))];

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            client.NoDelay = true;
            using var backend = await ConnectAsync();
            if (backend is null)
            {
                // Every instance is down: the caller sees a refused request and retries, as behind a real balancer.
                return;
            }

            using var done = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var up = PumpAsync(client, backend, done.Token);
            var down = PumpAsync(backend, client, done.Token);
            await Task.WhenAny(up, down);
            // One side closed or broke (a killed instance resets): close both, like a balancer does.
            await done.CancelAsync();
            await Task.WhenAll(up, down);
        }
    }

    private async Task<Socket?> ConnectAsync()
    {
        for (var tried = 0; tried < backends.Count; tried++)
        {
            var index = (int)((uint)Interlocked.Increment(ref next) % (uint)backends.Count);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, backends[index]), timeout.Token);
                Interlocked.Increment(ref connections[index]);
                return socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
        }

        return null;
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    // HTTP clients and servers close whole connections, so no half-close is kept up.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed, reset by a killed instance, or stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
        stop.Dispose();
    }
}
