using System.Text.Json;

namespace PostPurchase.Notifications;

/// <summary>
/// The local stand-in for the webhook: one JSON line per alert appended to a file, so nothing leaves the machine
/// until a webhook URL is configured. `tail -f .slack/alerts.jsonl` shows alerts as they come.
/// </summary>
internal static class SlackFileSink
{
    private const int MaxAttempts = 10;

    // The notifier is a transient typed client, so the lock must be process-wide to keep lines whole.
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task AppendAsync(string path, SlackSinkEntry entry, CancellationToken cancellationToken)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(entry, SlackJson.Readable.SlackSinkEntry);
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';

        string fullPath = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        await Gate.WaitAsync(cancellationToken);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await WriteLineAsync(fullPath, line, cancellationToken);
                    return;
                }
                catch (IOException ex) when (attempt < MaxAttempts && ex is not DirectoryNotFoundException and not PathTooLongException)
                {
                    // Another process (the other host, a second func start) holds the file: wait briefly and append after it.
                    await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
                }
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task WriteLineAsync(string fullPath, byte[] line, CancellationToken cancellationToken)
    {
        // Append mode + one unbuffered write: each line lands at the end of the file in one piece; readers may tail it meanwhile.
        FileStreamOptions options = new()
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        };
        await using FileStream stream = new(fullPath, options);
        await stream.WriteAsync(line, cancellationToken);
    }
}
