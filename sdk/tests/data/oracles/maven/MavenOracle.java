// Batch oracle for sdk/tests/version_oracles/maven.rs: reads "A<TAB>B" lines and
// prints -1, 0 or 1 as Maven's own ComparableVersion orders A against B.
// Run: java -cp /usr/share/java/maven3-artifact.jar MavenOracle.java
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(System.out);
        String line;
        while ((line = in.readLine()) != null) {
            String[] pair = line.split("\t", -1);
            int order = new ComparableVersion(pair[0]).compareTo(new ComparableVersion(pair[1]));
            out.println(Integer.signum(order));
        }
        out.flush();
    }
}
