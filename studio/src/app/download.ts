/**
 * Hand a text to the browser as a download (a flow, a run, a socket's values): one way
 * for every file the studio saves. The link is in the document while it is clicked (some
 * browsers ignore a click on a detached one), and its URL lives a second after.
 */
export function saveText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
