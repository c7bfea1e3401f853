using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GovClone.StandIns;

/// <summary>
/// The port forward behind the stand-in <c>ssh -L LISTEN:PORT:localhost:5432 HOST</c>: listens on LISTEN:PORT and
/// pipes every connection to the tests' server, as ssh's forward pipes it to the server's PostgreSQL. The socket is
/// bound with SO_REUSEPORT: jobs that run at once stand for separate runners, each with its own tunnel on the stack's
/// port, and all forward to the same server, so the kernel may hand a connection to any of them. It says it listens
/// (or why it cannot) on READY_FIFO, so the stand-in ssh returns only once the forward is up (ssh -f with
/// ExitOnForwardFailure). It ends when killed, or when the process named by GOVCLONE_STANDIN_OWNER_PID (the test run)
/// is gone, so a crashed run leaves no forward behind.
/// </summary>
public static class Forwarder
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length is < 4 or > 5 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var listenPort) || !int.TryParse(args[3], CultureInfo.InvariantCulture, out var targetPort))
        {
            await Console.Error.WriteLineAsync("forward: usage: forward LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT [READY_FIFO]");
            return 2;
        }

        var ready = args.Length == 5 ? args[4] : null;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            var address = args[0] == "localhost" ? IPAddress.Loopback : IPAddress.Parse(args[0]);
            listener.Bind(new IPEndPoint(address, listenPort));
            listener.Listen(64);
        }
        catch (Exception ex) when (ex is SocketException or FormatException)
        {
            await SayAsync(ready, $"error bind [{args[0]}]:{listenPort}: {ex.Message}");
            return 255;
        }

        await SayAsync(ready, "ready");
        using var stop = new CancellationTokenSource();
        _ = WatchOwnerAsync(stop);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stop.Token);
                _ = PipeAsync(client, args[2], targetPort, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    private static async Task SayAsync(string? fifo, string line)
    {
        if (fifo is null)
        {
            await Console.Error.WriteLineAsync("forward: " + line);
            return;
        }

        await File.WriteAllTextAsync(fifo, line + "\n");
    }

    private static async Task WatchOwnerAsync(CancellationTokenSource stop)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("GOVCLONE_STANDIN_OWNER_PID"), CultureInfo.InvariantCulture, out var owner))
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync())
        {
            if (!Directory.Exists($"/proc/{owner}"))
            {
                await stop.CancelAsync();
                return;
            }
        }
    }

    private static async Task PipeAsync(Socket client, string host, int port, CancellationToken ct)
    {
        using (client)
        {
            using var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(host, port, ct);
            }
            catch (SocketException)
            {
                return; // as ssh: "connect failed", the client's connection is closed
            }

            await using var a = new NetworkStream(client, ownsSocket: false);
            await using var b = new NetworkStream(server, ownsSocket: false);
            var up = CopyAsync(a, b, server, ct);
            var down = CopyAsync(b, a, client, ct);
            await Task.WhenAll(up, down);
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, Socket toSocket, CancellationToken ct)
    {
        try
        {
            await from.CopyToAsync(to, ct);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
