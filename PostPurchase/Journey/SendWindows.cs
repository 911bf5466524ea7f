using System.Globalization;

namespace PostPurchase.Journey;

/// <summary>
/// A daily span of the buyer's local time in which a kind of mail may go: [<see cref="Start"/>, <see cref="End"/>).
/// <see cref="End"/> may be 24:00; a span with Start after End wraps midnight; Start == End means any time.
/// </summary>
public sealed record SendWindow(TimeSpan Start, TimeSpan End)
{
    /// <summary>Day-3 and day-7 follow-ups: daytime only.</summary>
    public static readonly SendWindow FollowUps = new(TimeSpan.FromHours(9), TimeSpan.FromHours(20));

    /// <summary>
    /// Advertising (the next-product offer). 정보통신망법 제50조 제3항: no ad mail 21:00–08:00 without separate
    /// consent, so it waits for 08:00. Applied to every locale: nobody wants an ad at night.
    /// </summary>
    public static readonly SendWindow Advertising = new(TimeSpan.FromHours(8), TimeSpan.FromHours(21));

    public static readonly SendWindow AnyTime = new(TimeSpan.Zero, TimeSpan.Zero);

    public bool IsAnyTime => this.Start == this.End || (this.Start == TimeSpan.Zero && this.End >= TimeSpan.FromDays(1));

    public bool Contains(TimeSpan timeOfDay) =>
        this.IsAnyTime
        || (this.Start < this.End ? timeOfDay >= this.Start && timeOfDay < this.End : timeOfDay >= this.Start || timeOfDay < this.End);

    /// <summary>"09:00-20:00" (a setting's format); "" or "any" means any time.</summary>
    public static SendWindow Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("any", StringComparison.OrdinalIgnoreCase))
        {
            return AnyTime;
        }

        string[] parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !TryTime(parts[0], out TimeSpan start) || !TryTime(parts[1], out TimeSpan end) || start >= TimeSpan.FromDays(1))
        {
            throw new FormatException($"A send window looks like 09:00-20:00 (local time, end may be 24:00), not '{text}'.");
        }

        return new SendWindow(start, end);
    }

    public override string ToString() => this.IsAnyTime ? "any" : $"{Format(this.Start)}-{Format(this.End)}";

    private static bool TryTime(string text, out TimeSpan time)
    {
        if (text is "24:00")
        {
            time = TimeSpan.FromDays(1);
            return true;
        }

        return TimeSpan.TryParseExact(text, @"hh\:mm", CultureInfo.InvariantCulture, out time);
    }

    private static string Format(TimeSpan t) => t >= TimeSpan.FromDays(1) ? "24:00" : t.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}

/// <summary>
/// The buyer's wall clock as the journey sees it. In production it is the orchestration's own clock
/// (<see cref="Scale"/> 1, <see cref="WallOrigin"/> = <see cref="RealOrigin"/>). When days are compressed
/// (a demo day of four seconds), the wall clock runs <see cref="Scale"/> times faster from
/// <see cref="WallOrigin"/>, so "09:00 on day 3" still means something and quiet hours still hold.
/// Pure arithmetic on values from the journey's input and context: deterministic on replay.
/// </summary>
public sealed record JourneyClock(DateTime RealOrigin, DateTimeOffset WallOrigin, double Scale)
{
    public static JourneyClock RealTime(DateTime origin) => new(origin, new DateTimeOffset(DateTime.SpecifyKind(origin, DateTimeKind.Utc)), 1);

    public DateTimeOffset ToWall(DateTime realUtc) =>
        this.WallOrigin + TimeSpan.FromTicks((long)Math.Round((realUtc - this.RealOrigin).Ticks * this.Scale));

    /// <summary>Rounded up, so the real instant never falls before the wall-clock instant asked for.</summary>
    public DateTime ToReal(DateTimeOffset wall) =>
        this.RealOrigin + TimeSpan.FromTicks((long)Math.Ceiling((wall - this.WallOrigin).Ticks / this.Scale));
}

/// <summary>When a mail due at some instant may actually go, given its window and the buyer's time zone.</summary>
public static class SendWindows
{
    /// <summary>The first instant at or after <paramref name="due"/> whose local time in <paramref name="zone"/> is inside <paramref name="window"/>.</summary>
    public static DateTimeOffset NextOpen(DateTimeOffset due, SendWindow window, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(zone);
        DateTimeOffset local = TimeZoneInfo.ConvertTime(due, zone);
        if (window.Contains(local.TimeOfDay))
        {
            return due;
        }

        // Outside: the window opens later today when we are before its start, otherwise tomorrow.
        DateTime day = local.TimeOfDay < window.Start ? local.Date : local.Date.AddDays(1);
        return AtLocal(day + window.Start, zone);
    }

    /// <summary>The real (orchestration) instant at which a mail due at <paramref name="dueUtc"/> may go.</summary>
    public static DateTime NextOpen(DateTime dueUtc, SendWindow window, string? timeZone, JourneyClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (window is null || window.IsAnyTime)
        {
            return dueUtc;
        }

        DateTimeOffset wall = clock.ToWall(dueUtc);
        DateTimeOffset open = NextOpen(wall, window, Zone(timeZone));
        return open == wall ? dueUtc : clock.ToReal(open);
    }

    /// <summary>The buyer's zone; an unknown or empty id falls back to Asia/Seoul, the product's home market.</summary>
    public static TimeZoneInfo Zone(string? timeZone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(string.IsNullOrWhiteSpace(timeZone) ? "Asia/Seoul" : timeZone, out TimeZoneInfo? zone) ? zone
        : TimeZoneInfo.TryFindSystemTimeZoneById("Asia/Seoul", out TimeZoneInfo? seoul) ? seoul : TimeZoneInfo.Utc;

    /// <summary>A local wall time as an instant; a time skipped by a daylight-saving jump moves to just after the jump.</summary>
    private static DateTimeOffset AtLocal(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        for (int guard = 0; zone.IsInvalidTime(local) && guard < 4 * 24; guard++)
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
