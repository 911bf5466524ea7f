using System.Text.Json;

namespace PostPurchase.Purchases;

/// <summary>Reads the seller's catalog.json. A broken catalog fails start-up with the file and the reason, not a webhook later.</summary>
public static class CatalogLoader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Null when the catalog at <paramref name="path"/> loads; otherwise what is wrong with it.</summary>
    public static string? Problem(string path)
    {
        try
        {
            Load(path);
            return null;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    public static Catalog Load(string path)
    {
        // A relative path is tried from the working folder, then from the app's own folder, where the build copies catalog/.
        if (!Path.IsPathRooted(path) && !File.Exists(path))
        {
            path = Path.Combine(AppContext.BaseDirectory, path);
        }

        CatalogFile file;
        try
        {
            using FileStream stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<CatalogFile>(stream, Json)
                ?? throw new InvalidDataException($"Catalog {path} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Catalog {path} is not valid JSON: {ex.Message}", ex);
        }

        if (file.Seller is null || file.Products is null || file.Products.Count == 0)
        {
            throw new InvalidDataException($"Catalog {path} needs a seller and at least one product.");
        }

        foreach (Product product in file.Products)
        {
            if (string.IsNullOrWhiteSpace(product.Sku) || product.Copy is null || product.Copy.Count == 0)
            {
                throw new InvalidDataException($"Catalog {path}: every product needs a sku and copy in at least one language.");
            }
        }

        return new Catalog(file.Seller, file.Products, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private sealed record CatalogFile(Seller? Seller, IReadOnlyList<Product>? Products);
}
