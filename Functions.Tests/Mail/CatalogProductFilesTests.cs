using PostPurchase.Mail;
using PostPurchase.Purchases;

namespace PostPurchase.Tests.Mail;

public sealed class CatalogProductFilesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pp-catalog-").FullName;

    [Fact]
    public void The_pdf_named_in_the_catalog_is_read_from_the_catalog_folder_with_its_korean_file_name()
    {
        File.WriteAllBytes(Path.Combine(this.folder, MailSamples.PdfFileName), MailSamples.PdfBytes);
        Catalog catalog = new(MailSamples.Seller, [MailSamples.Product()], this.folder);

        ProductFile? pdf = new CatalogProductFiles(catalog).GetPdf(catalog.Products[0]);

        Assert.NotNull(pdf);
        Assert.Equal(MailSamples.PdfFileName, pdf.FileName);
        Assert.Equal("application/pdf", pdf.ContentType);
        Assert.Equal(MailSamples.PdfBytes, pdf.Content);
    }

    [Fact]
    public void A_pdf_in_a_subfolder_is_attached_under_its_own_name()
    {
        Directory.CreateDirectory(Path.Combine(this.folder, "guides"));
        File.WriteAllBytes(Path.Combine(this.folder, "guides", "가이드.pdf"), [1, 2, 3]);

        ProductFile? pdf = new CatalogProductFiles(this.folder).GetPdf(MailSamples.Product(pdfFile: "guides/가이드.pdf"));

        Assert.Equal("가이드.pdf", pdf?.FileName);
        Assert.Equal([1, 2, 3], pdf?.Content);
    }

    [Fact]
    public void A_product_without_a_pdf_has_none()
    {
        Assert.Null(new CatalogProductFiles(this.folder).GetPdf(MailSamples.Product(pdfFile: null)));
    }

    [Fact]
    public void A_missing_pdf_fails_loudly_instead_of_sending_the_welcome_mail_without_it()
    {
        Assert.Throws<FileNotFoundException>(() => new CatalogProductFiles(this.folder).GetPdf(MailSamples.Product()));
    }

    [Fact]
    public void A_pdf_path_that_leaves_the_catalog_folder_is_refused()
    {
        string outside = Path.Combine(Path.GetDirectoryName(this.folder)!, $"outside-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(outside, [9]);
        try
        {
            Assert.Throws<InvalidDataException>(() =>
                new CatalogProductFiles(this.folder).GetPdf(MailSamples.Product(pdfFile: "../" + Path.GetFileName(outside))));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    public void Dispose() => Directory.Delete(this.folder, recursive: true);
}
