using MimeKit;

namespace PostPurchase.Purchases;

/// <summary>Whether an address from a provider can receive the journey's mail.</summary>
public static class BuyerEmail
{
    /// <summary>Exactly one plain mailbox (local@domain with a dot in the domain), no control characters, no display name.</summary>
    public static bool IsDeliverable(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254 || email.Any(char.IsControl))
        {
            return false;
        }

        return MailboxAddress.TryParse(ParserOptions.Default, email, out MailboxAddress? mailbox)
            && string.IsNullOrEmpty(mailbox.Name)
            && string.Equals(mailbox.Address, email.Trim(), StringComparison.Ordinal)
            && mailbox.Address.IndexOf('@', StringComparison.Ordinal) is > 0 and var at
            && mailbox.Address.IndexOf('.', at) > at + 1
            && !mailbox.Address.EndsWith('.');
    }
}
