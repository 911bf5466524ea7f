using PostPurchase.Journey;

namespace PostPurchase.Tests.Journey;

/// <summary>The window arithmetic alone: buyer-local hours, time zones, daylight saving, the compressed clock.</summary>
public sealed class SendWindowsTests
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    [Fact]
    public void An_offer_due_at_22_30_in_seoul_waits_for_08_00_the_next_morning()
    {
        DateTimeOffset due = new(2025, 3, 14, 22, 30, 0, Kst);

        DateTimeOffset sent = SendWindows.NextOpen(due, SendWindow.Advertising, Seoul);

        Assert.Equal(new DateTimeOffset(2025, 3, 15, 8, 0, 0, Kst), sent);
    }

    [Fact]
    public void A_day_3_mail_due_at_02_00_goes_at_09_00_the_same_morning()
    {
        DateTimeOffset due = new(2025, 3, 17, 2, 0, 0, Kst);

        Assert.Equal(new DateTimeOffset(2025, 3, 17, 9, 0, 0, Kst), SendWindows.NextOpen(due, SendWindow.FollowUps, Seoul));
    }

    [Theory]
    [InlineData(8, 0, true)]
    [InlineData(20, 59, true)]
    [InlineData(21, 0, false)]
    [InlineData(7, 59, false)]
    [InlineData(0, 0, false)]
    public void Advertising_may_go_from_08_00_until_just_before_21_00(int hour, int minute, bool open)
    {
        DateTimeOffset due = new(2025, 3, 14, hour, minute, 0, Kst);

        Assert.Equal(open, SendWindows.NextOpen(due, SendWindow.Advertising, Seoul) == due);
    }

    [Fact]
    public void A_follow_up_due_at_20_00_goes_at_09_00_the_next_day()
    {
        DateTimeOffset due = new(2025, 3, 14, 20, 0, 0, Kst);

        Assert.Equal(new DateTimeOffset(2025, 3, 15, 9, 0, 0, Kst), SendWindows.NextOpen(due, SendWindow.FollowUps, Seoul));
    }

    [Fact]
    public void The_window_is_the_buyers_local_time_not_utc()
    {
        // 13:30 UTC is 22:30 in Seoul (quiet) but 09:30 in New York (open, daylight time).
        DateTimeOffset due = new(2025, 3, 14, 13, 30, 0, TimeSpan.Zero);

        Assert.NotEqual(due, SendWindows.NextOpen(due, SendWindow.Advertising, Seoul));
        Assert.Equal(due, SendWindows.NextOpen(due, SendWindow.Advertising, NewYork));
    }

    [Fact]
    public void On_the_night_new_york_springs_forward_the_window_still_opens_at_local_09_00()
    {
        // 2025-03-09 02:00 EST → 03:00 EDT. Due 01:30 EST; 09:00 that day is EDT (UTC-4).
        DateTimeOffset due = new(2025, 3, 9, 1, 30, 0, TimeSpan.FromHours(-5));

        DateTimeOffset sent = SendWindows.NextOpen(due, SendWindow.FollowUps, NewYork);

        Assert.Equal(new DateTimeOffset(2025, 3, 9, 9, 0, 0, TimeSpan.FromHours(-4)), sent);
    }

    [Fact]
    public void A_window_that_would_open_inside_a_skipped_hour_opens_right_after_the_jump()
    {
        SendWindow night = new(TimeSpan.FromHours(2.5), TimeSpan.FromHours(5));
        DateTimeOffset due = new(2025, 3, 9, 1, 0, 0, TimeSpan.FromHours(-5));

        DateTimeOffset sent = SendWindows.NextOpen(due, night, NewYork);

        Assert.Equal(new DateTimeOffset(2025, 3, 9, 3, 0, 0, TimeSpan.FromHours(-4)), sent);
    }

    [Fact]
    public void A_window_across_midnight_and_any_time_windows_work()
    {
        SendWindow overnight = SendWindow.Parse("22:00-06:00");
        DateTimeOffset noon = new(2025, 3, 14, 12, 0, 0, Kst);

        Assert.Equal(new DateTimeOffset(2025, 3, 14, 22, 0, 0, Kst), SendWindows.NextOpen(noon, overnight, Seoul));
        Assert.Equal(noon.AddHours(11), SendWindows.NextOpen(noon.AddHours(11), overnight, Seoul));
        Assert.Equal(noon.AddHours(-11), SendWindows.NextOpen(noon.AddHours(-11), SendWindow.Parse("any"), Seoul));
        Assert.Equal(noon.AddHours(-11), SendWindows.NextOpen(noon.AddHours(-11), SendWindow.Parse("00:00-24:00"), Seoul));
    }

    [Theory]
    [InlineData("9-20")]
    [InlineData("09:00")]
    [InlineData("25:00-26:00")]
    [InlineData("09:00-20:00-21:00")]
    public void A_malformed_window_setting_is_refused_with_the_expected_format(string text)
    {
        FormatException ex = Assert.Throws<FormatException>(() => SendWindow.Parse(text));
        Assert.Contains("09:00-20:00", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_compressed_clock_the_same_wall_clock_rule_maps_back_to_a_real_instant_never_early()
    {
        // One real second = two wall hours; the journey's anchor is at 22:30 KST on the wall clock.
        DateTime anchor = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        JourneyClock clock = new(anchor, new DateTimeOffset(2025, 3, 14, 22, 30, 0, Kst), 7200);

        DateTime send = SendWindows.NextOpen(anchor, SendWindow.Advertising, "Asia/Seoul", clock);

        // 22:30 → 08:00 is 9.5 wall hours = 4.75 real seconds.
        Assert.Equal(anchor.AddSeconds(4.75), send);
        Assert.True(clock.ToWall(send) >= new DateTimeOffset(2025, 3, 15, 8, 0, 0, Kst));
        Assert.Equal(anchor, SendWindows.NextOpen(anchor, SendWindow.AnyTime, "Asia/Seoul", clock));
    }

    [Fact]
    public void In_real_time_the_clock_is_the_orchestrations_own_clock()
    {
        DateTime due = new(2025, 3, 14, 13, 30, 0, DateTimeKind.Utc);   // 22:30 KST
        JourneyClock clock = JourneyClock.RealTime(due.AddDays(-3));

        DateTime send = SendWindows.NextOpen(due, SendWindow.Advertising, null, clock);   // no zone → Asia/Seoul

        Assert.Equal(new DateTime(2025, 3, 14, 23, 0, 0, DateTimeKind.Utc), send);   // 08:00 KST
    }
}
