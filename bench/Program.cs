namespace Interrogate.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("bench: skeleton");
        return 0;
    }
}
