using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Orders.Tests.Infrastructure;

// A real SMTP server on a loopback port (the SmtpServer package), which a test can stop and start
// again on the same port to play an outage.
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> messages = new();
    private CancellationTokenSource? running;
    private Task? serving;

    // While the server is down the port stays bound but not listening: connections are refused at
    // once, and no other test's server can take the port meanwhile.
    private Socket? reservation;

    public LoopbackSmtpServer()
    {
        reservation = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        reservation.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)reservation.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Messages => messages;

    // Runs with each message before it is answered: a test can change the world at that moment (make
    // storage refuse writes) and refuse the message (false: 451, nothing kept).
    public Func<MimeMessage, Task<bool>>? BeforeAnswer { get; set; }

    public void Start()
    {
        reservation?.Dispose();
        reservation = null;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).IsSecure(false))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        running = new CancellationTokenSource();
        serving = new SmtpServer.SmtpServer(options, services).StartAsync(running.Token);
    }

    public async Task StopAsync()
    {
        if (running is null)
        {
            return;
        }

        await running.CancelAsync();
        try
        {
            await serving!;
        }
        catch (OperationCanceledException)
        {
            // stopping is what was asked for
        }

        running.Dispose();
        running = null;
    }

    public async ValueTask DisposeAsync()
    {
        reservation?.Dispose();
        await StopAsync();
    }

    private sealed class Store(LoopbackSmtpServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            if (server.BeforeAnswer is { } beforeAnswer && !await beforeAnswer(message))
            {
                return new SmtpResponse(SmtpReplyCode.Aborted, "Try again later");
            }

            server.messages.Enqueue(message);
            return SmtpResponse.Ok;
        }
    }
}
