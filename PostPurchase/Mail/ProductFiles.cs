using System.Text;
using PostPurchase.Purchases;

namespace PostPurchase.Mail;

/// <summary>A file the seller ships with a product, ready to attach.</summary>
public sealed record ProductFile(string FileName, string ContentType, byte[] Content);

/// <summary>Where the files a catalog names (<see cref="Product.PdfFile"/>) are read from.</summary>
public interface IProductFiles
{
    /// <summary>The product's PDF guide, or null when the product has none.</summary>
    /// <exception cref="FileNotFoundException">The catalog names a PDF that is not there.</exception>
    ProductFile? GetPdf(Product product);
}

/// <summary>Reads product files from the folder catalog.json lives in (<see cref="Catalog.Folder"/>).</summary>
public sealed class CatalogProductFiles : IProductFiles
{
    private readonly string folder;

    public CatalogProductFiles(Catalog catalog)
        : this(catalog?.Folder ?? throw new ArgumentNullException(nameof(catalog)))
    {
    }

    public CatalogProductFiles(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        this.folder = Path.GetFullPath(folder);
    }

    public ProductFile? GetPdf(Product product)
    {
        ArgumentNullException.ThrowIfNull(product);
        if (string.IsNullOrWhiteSpace(product.PdfFile))
        {
            return null;
        }

        // The catalog is edited by hand: a name such as "../secrets.pdf" must not reach outside its folder.
        string path = Path.GetFullPath(Path.Combine(this.folder, product.PdfFile));
        string root = Path.EndsInDirectorySeparator(this.folder) ? this.folder : this.folder + Path.DirectorySeparatorChar;
        if (!path.StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Product {product.Sku}: pdfFile must name a file inside the catalog folder.");
        }

        if (!File.Exists(path))
        {
            // A promised guide that is missing is a catalog mistake; failing loudly beats a welcome mail without it.
            throw new FileNotFoundException($"Product {product.Sku}: the PDF named in the catalog was not found.", path);
        }

        // macOS writes decomposed Hangul into file names; mail clients show composed text more reliably.
        string fileName = Path.GetFileName(path).Normalize(NormalizationForm.FormC);
        return new ProductFile(fileName, "application/pdf", File.ReadAllBytes(path));
    }
}
